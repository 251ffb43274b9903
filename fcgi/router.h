// The route table's types and the dispatcher: match a request to a route, authenticate it, run
// its handler, and turn any failure into the error envelope (via ErrorResponse).
#ifndef WEBHOOKS_FCGI_ROUTER_H_
#define WEBHOOKS_FCGI_ROUTER_H_

#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/time_format.h"
#include "eventlog/event_log.h"
#include "fcgi/http.h"
#include "store/delivery_store.h"
#include "store/store.h"

namespace webhooks {

// What handlers work with. References outlive every request.
struct Services {
  AccountStore& accounts;
  WebhookStore& webhooks;
  Clock clock;
  DeliveryStore* deliveries = nullptr;  // null: delivery endpoints answer 503
  EventAppender* events = nullptr;      // null: POST /v1/events answers 503
};

// One request as a handler sees it.
struct RequestContext {
  const HttpRequest& request;
  std::vector<std::string> path_params;  // decoded values of the pattern's {placeholders}
  std::string internal_id;               // the authenticated organization ("" without auth)
};

using Handler = absl::StatusOr<HttpResponse> (*)(Services&, const RequestContext&);

struct Route {
  const char* method;
  const char* pattern;  // "/v1/organizations/webhooks/{identifier}"; trailing '/' ignored
  Handler handler;
  bool requires_auth;
  const char* operation_id;  // as in docs/openapi.yaml
};

// The table, in routes.cc.
std::span<const Route> RouteTable();

// Runs `request` through the table. Never throws; every failure is an enveloped response.
HttpResponse Dispatch(Services& services, const HttpRequest& request);

}  // namespace webhooks

#endif  // WEBHOOKS_FCGI_ROUTER_H_
