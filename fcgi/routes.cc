// The route table: every endpoint of webhook-api, in one place.
#include "fcgi/routes.h"

#include <array>

namespace webhooks {

std::span<const Route> RouteTable() {
  using namespace handlers;  // NOLINT(build/namespaces)
  static constexpr std::array<Route, 15> kRoutes = {{
      {"GET", "/healthz", Health, false, "getHealth"},
      {"POST", "/v1/organizations/webhooks", CreateWebhook, true, "createWebhook"},
      {"POST", "/v1/organizations/webhooks/list", ListWebhooks, true, "listWebhooks"},
      {"GET", "/v1/organizations/webhooks", ListWebhooksLegacy, true, "listWebhooksLegacy"},
      {"GET", "/v1/organizations/webhooks/{identifier}", GetWebhook, true, "getWebhook"},
      {"PUT", "/v1/organizations/webhooks/{identifier}", UpdateWebhook, true, "updateWebhook"},
      {"DELETE", "/v1/organizations/webhooks/{identifier}", DeleteWebhook, true, "deleteWebhook"},
      {"GET", "/v1/organizations/webhooks/{identifier}/deliveries", ListDeliveries, true,
       "listDeliveries"},
      {"GET", "/v1/organizations/webhooks/{identifier}/deliveries/{delivery_id}", GetDelivery, true,
       "getDelivery"},
      {"POST", "/v1/organizations/webhooks/{identifier}/deliveries/{delivery_id}/retry",
       RetryDelivery, true, "retryDelivery"},
      {"POST", "/v1/organizations/webhooks/{identifier}/deliveries/retry", RecoverDeliveries, true,
       "recoverDeliveries"},
      {"POST", "/v1/organizations/webhooks/{identifier}/test", TestWebhook, true, "testWebhook"},
      {"POST", "/v1/organizations/webhooks/{identifier}/match", MatchWebhook, true, "matchWebhook"},
      {"POST", "/v1/events", CreateEvent, true, "createEvent"},
      {"POST", "/v1/events/batch", CreateEvents, true, "createEvents"},
  }};
  return kRoutes;
}

}  // namespace webhooks
