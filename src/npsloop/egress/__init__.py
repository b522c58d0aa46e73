"""Every HTTP call npsloop makes to the outside (survey tools' APIs, outbound webhooks, Slack) goes through
here: `policy` says which destinations may be reached, `connect` enforces it on the address actually dialled,
`client` bounds each call's time, size and the number in flight."""
