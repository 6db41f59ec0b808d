"""Deciding which candidate images to show and after which sentence."""
