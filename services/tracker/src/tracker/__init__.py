"""jobhunt tracker: accounts, applications and everything around them."""
