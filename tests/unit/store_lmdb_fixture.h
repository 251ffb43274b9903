// Shared by the LmdbStore tests (store_lmdb_*_test.cc, store_keys_test.cc): two organizations,
// webhooks with distinct ids, opening a store and listing every webhook of an organization.
#ifndef WEBHOOKS_TESTS_UNIT_STORE_LMDB_FIXTURE_H_
#define WEBHOOKS_TESTS_UNIT_STORE_LMDB_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "model/webhook.h"
#include "store/lmdb_store.h"
#include "store/store.h"

namespace webhooks {

inline constexpr char kOrg[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
inline constexpr char kOtherOrg[] = "int_BBBBBBBBBBBBBBBBBBBBBBBB";

// "wh_" + a one-letter tag + 9 digits: distinct for distinct (tag, n).
inline std::string WebhookId(char tag, int n) {
  std::string digits = std::to_string(n);
  return std::string("wh_") + tag + std::string(9 - digits.size(), '0') + digits;
}

inline Webhook MakeWebhook(const std::string& id, const std::string& name,
                           const std::string& org = kOrg) {
  Webhook w;
  w.webhook_id = id;
  w.internal_id = org;
  w.spec.webhook_name = name;
  w.spec.event_types = {"object.created"};
  HttpChannel http;
  http.url = "https://example.com/hooks/" + id;
  w.spec.channels.push_back(http);
  w.created_at = w.updated_at = "2025-01-01T00:00:00Z";
  return w;
}

inline std::unique_ptr<LmdbStore> OpenStore(const std::string& dir,
                                            const LmdbOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<LmdbStore>> store = LmdbStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Every webhook of `org`, in creation order, through cursor pages.
inline std::vector<Webhook> ListAll(WebhookStore& store, const std::string& org) {
  std::vector<Webhook> out;
  ListQuery q;
  q.limit = 1000;
  for (;;) {
    absl::StatusOr<WebhookPage> page = store.ListWebhooks(org, q);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    out.insert(out.end(), page->items.begin(), page->items.end());
    if (!page->next_after_seq) break;
    q.after_seq = page->next_after_seq;
  }
  return out;
}

inline void ExpectUniqueIncreasingSeqs(const std::vector<Webhook>& items) {
  for (size_t i = 1; i < items.size(); ++i) {
    EXPECT_LT(items[i - 1].seq, items[i].seq) << "at " << i;
  }
}

}  // namespace webhooks

#endif  // WEBHOOKS_TESTS_UNIT_STORE_LMDB_FIXTURE_H_
