"""Domain types shared by every layer: dataclasses, enums, limits and errors."""
