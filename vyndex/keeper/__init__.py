"""Keeping an index rebalanced: the keeper loop (`loop`), its view of a real chain (`chain`), a
one-shot keeper's memory (`state`), one keeper for every index of a factory (`fleet`), and a
bidder for the Dutch auctions (`bidder`)."""
