// webhookctl operator commands: org list, key list / revoke, webhook list, channels failing,
// deliveries retry, stats (declared in admin/commands.h).
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <variant>

#include "admin/commands.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "eventlog/file_event_log.h"
#include "model/json_input.h"
#include "store/lmdb_admin.h"

namespace po = boost::program_options;

namespace webhooks::admin {
namespace {

using Row = std::vector<std::string>;

// How a column's cells are written as JSON: text as strings, counts as numbers, flags ("true" or
// "false") as booleans. Decided per column, so a name that reads "true" stays a string.
enum class Col { kText, kCount, kFlag };

// Display width: UTF-8 code points (continuation bytes do not count).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Columns padded to their widest cell, two spaces apart.
void PrintTable(const Row& header, const std::vector<Row>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = Width(header[i]);
  for (const Row& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], Width(r[i]));
  }
  auto print = [&](const Row& r) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - Width(r[i]) + 2, ' ');
    }
    std::cout << line << "\n";
  };
  print(header);
  for (const Row& r : rows) print(r);
}

// A JSON array of objects, one per row, keyed by the header; each cell as its column's `kinds`.
void PrintJson(const Row& header, const std::vector<Row>& rows, const std::vector<Col>& kinds) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartArray();
  for (const Row& r : rows) {
    w.StartObject();
    for (size_t i = 0; i < header.size(); ++i) {
      w.Key(header[i].c_str());
      if (kinds[i] == Col::kCount) {
        w.Uint64(std::stoull(r[i]));
      } else if (kinds[i] == Col::kFlag) {
        w.Bool(r[i] == "true");
      } else {
        w.String(r[i]);
      }
    }
    w.EndObject();
  }
  w.EndArray();
  std::cout << buf.GetString() << "\n";
}

void Print(bool json, const Row& header, const std::vector<Row>& rows,
           const std::vector<Col>& kinds) {
  if (json) {
    PrintJson(header, rows, kinds);
  } else {
    PrintTable(header, rows);
  }
}

// Checks --org: an organization id that exists. Returns -1 to continue, else the exit code.
int CheckOrg(Context& ctx, const std::string& org) {
  if (!IsOrganizationId(org)) {
    std::cerr << "webhookctl: --org must be an organization id (int_ + 24 characters)\n";
    return 2;
  }
  if (absl::StatusOr<Organization> o = ctx.store.GetOrganization(org); !o.ok()) {
    return Fail(o.status(), "unknown organization");
  }
  return -1;
}

std::string ChannelKind(const Channel& c) {
  static constexpr const char* kKinds[] = {"webhook", "slack", "email", "sms"};
  return kKinds[c.index()];
}

}  // namespace

int OrgList(Context& ctx, const Args& args) {
  po::options_description desc = Options(true);
  po::variables_map vm;
  if (int rc = Parse(args, desc, "Usage: webhookctl --data-dir DIR org list [--json]", &vm);
      rc >= 0) {
    return rc;
  }
  absl::StatusOr<std::vector<Organization>> orgs = ctx.store.ListOrganizations();
  if (!orgs.ok()) return Fail(orgs.status(), "cannot list organizations");
  std::vector<Row> rows;
  for (const Organization& o : *orgs) {
    ListQuery q;
    q.limit = 1;
    absl::StatusOr<WebhookPage> page = ctx.store.ListWebhooks(o.internal_id, q);
    if (!page.ok()) return Fail(page.status(), "cannot count webhooks");
    rows.push_back({o.internal_id, o.name, o.created_at, std::to_string(page->total)});
  }
  Print(vm.count("json") > 0, {"internal_id", "name", "created_at", "webhooks"}, rows,
        {Col::kText, Col::kText, Col::kText, Col::kCount});
  return 0;
}

int KeyList(Context& ctx, const Args& args) {
  std::string org;
  po::options_description desc = Options(true);
  desc.add_options()("org", po::value(&org)->required(), "organization internal_id (int_...)");
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR key list --org ORG [--json]\n"
      "Shows key prefixes and creation times; keys themselves are never stored.";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  if (int rc = CheckOrg(ctx, org); rc >= 0) return rc;
  absl::StatusOr<std::vector<ApiKeyRecord>> keys = ListApiKeys(ctx.store, org);
  if (!keys.ok()) return Fail(keys.status(), "cannot list keys");
  std::vector<Row> rows;
  for (const ApiKeyRecord& k : *keys) rows.push_back({k.prefix, k.created_at});
  Print(vm.count("json") > 0, {"prefix", "created_at"}, rows, {Col::kText, Col::kText});
  return 0;
}

int KeyRevoke(Context& ctx, const Args& args) {
  std::string prefix, org;
  po::options_description desc = Options(false);
  desc.add_options()("prefix", po::value(&prefix)->required(), "the key's prefix (sk_live_xxxxxx)")(
      "org", po::value(&org), "only a key of this organization (when prefixes collide)");
  po::positional_options_description pos;
  pos.add("prefix", 1);
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR key revoke KEY_PREFIX [--org ORG]\n"
      "Deletes the key with that prefix (as shown by key list); it stops working "
      "at once.";
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  } catch (const po::error& e) {
    std::cerr << "webhookctl: " << e.what() << "\n" << usage << "\n" << desc << "\n";
    return 2;
  }
  if (int rc = Parse({}, desc, usage, &vm); rc >= 0) return rc;
  if (prefix.rfind("sk_live_", 0) != 0) {
    std::cerr << "webhookctl: KEY_PREFIX must start with sk_live_ (see key list)\n";
    return 2;
  }
  if (!org.empty() && !IsOrganizationId(org)) {
    std::cerr << "webhookctl: --org must be an organization id (int_ + 24 characters)\n";
    return 2;
  }
  absl::StatusOr<ApiKeyRecord> key =
      RevokeApiKey(ctx.store, prefix, org.empty() ? std::nullopt : std::optional(org));
  if (!key.ok()) return Fail(key.status(), "cannot revoke");
  std::cout << "revoked " << key->prefix << " of " << key->internal_id << "\n";
  return 0;
}

int WebhookList(Context& ctx, const Args& args) {
  std::string org;
  po::options_description desc = Options(true);
  desc.add_options()("org", po::value(&org)->required(), "organization internal_id (int_...)");
  po::variables_map vm;
  const char* usage = "Usage: webhookctl --data-dir DIR webhook list --org ORG [--json]";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  if (int rc = CheckOrg(ctx, org); rc >= 0) return rc;
  std::vector<Row> rows;
  ListQuery q;
  q.limit = 1000;
  for (;;) {
    absl::StatusOr<WebhookPage> page = ctx.store.ListWebhooks(org, q);
    if (!page.ok()) return Fail(page.status(), "cannot list webhooks");
    for (const Webhook& w : page->items) {
      std::string channels;
      for (const Channel& c : w.spec.channels) {
        if (!channels.empty()) channels += ',';
        channels += ChannelKind(c);
      }
      rows.push_back({w.webhook_id, w.spec.webhook_name, w.spec.is_active ? "true" : "false",
                      channels, w.created_at});
    }
    if (!page->next_after_seq) break;
    q.after_seq = page->next_after_seq;
  }
  Print(vm.count("json") > 0, {"webhook_id", "webhook_name", "is_active", "channels", "created_at"},
        rows, {Col::kText, Col::kText, Col::kFlag, Col::kText, Col::kText});
  return 0;
}

int ChannelsFailing(Context& ctx, const Args& args) {
  po::options_description desc = Options(true);
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR channels failing [--json]\n"
      "Every channel the notifier disabled, or whose attempts all failed since its last "
      "success, in every organization.";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  absl::StatusOr<std::vector<ChannelTrouble>> trouble = ListChannelTrouble(ctx.store);
  if (!trouble.ok()) return Fail(trouble.status(), "cannot list channels");
  auto time = [](int64_t ms) { return ms == 0 ? std::string() : FormatUnixMillis(ms); };
  std::vector<Row> rows;
  for (const ChannelTrouble& t : *trouble) {
    rows.push_back({t.internal_id, t.webhook_id, t.webhook_name, std::to_string(t.channel_index),
                    t.channel, t.disabled ? "disabled" : "failing", time(t.since_ms),
                    time(t.last_ms), t.reason});
  }
  Print(vm.count("json") > 0,
        {"internal_id", "webhook_id", "webhook_name", "channel_index", "channel", "state",
         "failing_since", "last_failure", "reason"},
        rows,
        {Col::kText, Col::kText, Col::kText, Col::kCount, Col::kText, Col::kText, Col::kText,
         Col::kText, Col::kText});
  return 0;
}

int DeliveriesRetry(Context& ctx, const Args& args) {
  std::string webhook, org, since;
  po::options_description desc = Options(false);
  desc.add_options()("webhook", po::value(&webhook)->required(), "webhook id (wh_...)")(
      "org", po::value(&org), "only deliveries of this organization")(
      "since", po::value(&since), "only deliveries created at or after this RFC 3339 time");
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR deliveries retry --webhook ID [--org ORG] [--since T]\n"
      "Puts the webhook's failed deliveries back in the queue, due now, with a fresh retry "
      "budget.";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  if (!IsWebhookId(webhook)) {
    std::cerr << "webhookctl: --webhook must be a webhook id (wh_...)\n";
    return 2;
  }
  if (!org.empty() && !IsOrganizationId(org)) {
    std::cerr << "webhookctl: --org must be an organization id (int_ + 24 characters)\n";
    return 2;
  }
  std::optional<TimePoint> since_time;
  if (!since.empty()) {
    since_time = ParseTimestamp(since);
    if (!since_time) {
      std::cerr << "webhookctl: --since must be an RFC 3339 time, e.g. 2025-01-01T00:00:00Z\n";
      return 2;
    }
  }
  int64_t now_ms = UnixMillis(SystemClock()());
  absl::StatusOr<uint64_t> n = RetryFailedDeliveries(
      ctx.store, webhook, org.empty() ? std::nullopt : std::optional(org), since_time, now_ms);
  if (!n.ok()) return Fail(n.status(), "cannot re-queue deliveries");
  std::cout << "re-queued " << *n << " failed deliveries\n";
  return 0;
}

int Stats(Context& ctx, const Args& args) {
  po::options_description desc = Options(true);
  po::variables_map vm;
  if (int rc = Parse(args, desc, "Usage: webhookctl --data-dir DIR stats [--json]", &vm); rc >= 0) {
    return rc;
  }
  absl::StatusOr<StoreStats> s = ReadStoreStats(ctx.store);
  if (!s.ok()) return Fail(s.status(), "cannot read the store");
  uint64_t log_bytes = 0, log_end = 0;
  const std::string events = ctx.data_dir + "/events";
  std::error_code ec;
  if (std::filesystem::is_directory(events, ec)) {
    for (const auto& e : std::filesystem::directory_iterator(events, ec)) {
      if (e.path().extension() == ".log") log_bytes += e.file_size(ec);
    }
    auto source = OpenFileEventSource(events);
    if (!source.ok()) return Fail(source.status(), "cannot open the event log");
    absl::StatusOr<uint64_t> end = (*source)->EndPosition();
    if (!end.ok()) return Fail(end.status(), "cannot read the event log");
    log_end = *end;
  }
  uint64_t lag = log_end > s->notifier_cursor ? log_end - s->notifier_cursor : 0;
  Row header = {"organizations",      "api_keys",        "webhooks",          "deliveries",
                "pending_deliveries", "attempts",        "store_bytes",       "event_log_bytes",
                "event_log_end",      "notifier_cursor", "notifier_lag_bytes"};
  Row values;
  for (uint64_t v :
       {s->organizations, s->api_keys, s->webhooks, s->deliveries, s->pending_deliveries,
        s->attempts, s->store_bytes, log_bytes, log_end, s->notifier_cursor, lag}) {
    values.push_back(std::to_string(v));
  }
  if (vm.count("json") > 0) {
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    for (size_t i = 0; i < header.size(); ++i) {
      w.Key(header[i].c_str());
      w.Uint64(std::stoull(values[i]));
    }
    w.EndObject();
    std::cout << buf.GetString() << "\n";
  } else {
    std::vector<Row> rows;
    for (size_t i = 0; i < header.size(); ++i) rows.push_back({header[i], values[i]});
    PrintTable({"stat", "value"}, rows);
  }
  return 0;
}

}  // namespace webhooks::admin
