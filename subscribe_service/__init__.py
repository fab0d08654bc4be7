"""trustsite's subscription service (Flask). `create_app` is the application factory."""
