"""Story forge: blueprints (ordered moments) per deliverable. Importing the package registers
the built-in deliverables (recap, highlight, social), so any reader of the registry in
``story.deliverables`` sees them."""

from editron.story import blueprints, deliverables

__all__ = ["blueprints", "deliverables"]
