"""The league tables (`qzfsg rank`): the leagues for a month, quarter or year (`leagues`),
the method as data read from ranking.toml (`method`) and its arithmetic (`scores`)."""
