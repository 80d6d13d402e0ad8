"""Dashboard helpers: auth (no Streamlit), i18n texts, connection presets and Streamlit glue for the pages."""
