"""Making company files: what a new QuickBooks company has, switching its preferences, and a
realistic sample business."""
