"""Every state change of the procurement core. Each service is a plain function with keyword
arguments, runs in one transaction, checks the rules, changes the models and records an audit
event in the same transaction. The API and the admin call these, never the models directly."""
