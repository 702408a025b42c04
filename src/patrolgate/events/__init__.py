"""Events: the one record model for every source, its taxonomy and the importers' parsers."""
