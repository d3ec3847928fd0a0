pytest_plugins = ["jobhunt_common.testing"]
