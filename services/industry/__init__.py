"""The industry service: Smart-factory indicators, alarms, the SME programme and air quality."""
