"""Which agency handles a complaint, and by when."""
