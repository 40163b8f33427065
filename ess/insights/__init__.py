"""What self-service saves: search, article, question and request analytics for HR and IT."""
