import psycopg


def test_server_answers(pg_url):
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
