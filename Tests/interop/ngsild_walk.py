"""ngsildclient 0.5.2 (PyPI) against a live HueS broker: connect, create, read, upsert a batch, count and query,
subscribe, read history, delete. Run by test_ngsi_ld.py in its own package folder (ngsildclient pins rich<13, which
schemathesis cannot live with); prints what it saw as one JSON document for the test to check."""
import json
import os
import sys
from datetime import datetime, timedelta, timezone

import requests
from ngsildclient import Client, Entity


class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def station(name, pm25, observed):
    entity = Entity("AirQualityObserved", f"hue-{name}")
    entity.prop("pm25", pm25, unitcode="GQ", observedat=observed)
    entity.prop("name", f"Trạm {name}")
    entity.gprop("location", (16.4637, 107.5909))
    return entity


def main():
    port, token, notify = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    seen = {}
    client = Client(hostname="127.0.0.1", port=port, custom_auth=Bearer(token), verbose=False)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    # The demo city's own stations are there too (its simulator): count what this walk adds.
    seen["count_before"] = client.count(type="AirQualityObserved")
    first = station("vy-da", 18.5, now - timedelta(minutes=30))
    seen["created"] = client.create(first)
    seen["exists"] = client.exists(first)
    read = client.get(first)
    seen["read_pm25"] = read["pm25"]["value"]
    seen["read_name"] = read["name"]["value"]
    try:
        client.entities.create(first)
        seen["duplicate"] = "accepted"
    except Exception as error:  # the client raises its AlreadyExists error for the 409
        seen["duplicate"] = type(error).__name__

    subscription = {"id": "urn:ngsi-ld:Subscription:pm25-high", "type": "Subscription",
                    "entities": [{"type": "AirQualityObserved"}], "watchedAttributes": ["pm25"], "q": "pm25>35",
                    "notification": {"attributes": ["pm25"], "endpoint": {"uri": notify, "accept": "application/json"}},
                    "@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"}
    seen["subscription"] = client.subscriptions.create(subscription)
    seen["subscription_exists"] = client.subscriptions.exists(seen["subscription"])
    seen["subscriptions_listed"] = len(client.subscriptions.list())

    batch = [station(f"s{index:03d}", 10 + index, now - timedelta(minutes=index % 20)) for index in range(120)]
    result = client.upsert(batch)
    seen["batch_ok"] = result.n_ok if hasattr(result, "n_ok") else result
    update = station("vy-da", 48.0, now - timedelta(minutes=5))
    result = client.batch.upsert([update], update=True)
    seen["update_ok"] = result.n_ok
    seen["count"] = client.count(type="AirQualityObserved")
    seen["count_high"] = client.count(type="AirQualityObserved", q="pm25>100")
    seen["query_high"] = sorted(entity.id for entity in client.query(type="AirQualityObserved", q="pm25>125"))
    history = client.temporal.get(first, attrs=["pm25"])
    seen["history"] = history
    seen["deleted"] = client.delete(first)
    seen["exists_after_delete"] = client.exists(first)
    client.close()
    print(json.dumps(seen, default=str))


if __name__ == "__main__":
    main()
