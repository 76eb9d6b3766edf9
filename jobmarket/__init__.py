"""Platform glue shared by every service: settings, logging, the embedded broker, Kafka helpers, CLI."""
