from jobmarket.cli import app

app()
