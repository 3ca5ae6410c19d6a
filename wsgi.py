from meapp import create_app

app = create_app()
