// webhookctl dump / restore at the store level (store/store_dump.h, store/store_restore.h):
// round trip, refusals that leave the target untouched, a dump under concurrent writes.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/crypto.h"
#include "store/dump_format.h"
#include "store/lmdb_delivery_store.h"
#include "store/store_dump.h"
#include "store/store_restore.h"
#include "tests/test_util.h"

namespace webhooks {
namespace {

using ::webhooks::testing::TempDir;

std::string Org(int n) {
  std::string digits = std::to_string(n);
  return "int_" + std::string(24 - digits.size(), 'A') + digits;
}
std::string WebhookId(int n) {
  std::string digits = std::to_string(n);
  return "wh_" + std::string(10 - digits.size(), 'x') + digits;
}

Channel ChannelOf(int n) {
  switch (n % 4) {
    case 0: {
      HttpChannel h;
      h.url = "https://hooks.example.com/" + std::to_string(n);
      h.headers = {{"X-Tenant", "t" + std::to_string(n)}};
      h.signing_secret = "whsec_" + Base64Encode(std::string(32, static_cast<char>('a' + n % 26)));
      return h;
    }
    case 1: {
      SlackChannel s;
      s.webhook_url = "https://hooks.slack.com/services/T/" + std::to_string(n);
      s.channel = "#alerts";
      return s;
    }
    case 2: {
      EmailChannel e;
      e.to_addresses = {"ops" + std::to_string(n) + "@example.com"};
      e.subject_template = "Événement {{event_type}}";
      return e;
    }
    default: {
      SmsChannel s;
      s.phone_numbers = {"+1415555" + std::to_string(1000 + n % 9000)};
      return s;
    }
  }
}

Webhook MakeWebhook(const std::string& org, int n) {
  Webhook w;
  w.webhook_id = WebhookId(n);
  w.internal_id = org;
  w.spec.webhook_name = "Crochet ✓ 日本語 " + std::to_string(n % 50);  // some names repeat
  w.spec.description = "descripción " + std::to_string(n);
  w.spec.event_types = {n % 3 == 0 ? "*" : "object.created"};
  w.spec.channels = {ChannelOf(n), ChannelOf(n + 1)};
  w.spec.is_active = n % 5 != 0;
  if (n % 4 == 0) {
    w.spec.filters = {EventFilter{"namespace_id", {"ns_" + std::to_string(n)}, false},
                      EventFilter{"metadata.tags", {1.5, true, std::string("x")}, true}};
  }
  w.created_at = w.updated_at = "2025-01-02T03:04:05Z";
  return w;
}

// 3 organizations, 2 keys each, `webhooks` webhooks, 5 pending deliveries and a cursor.
void Populate(LmdbStore& store, int webhooks, int first_id = 0) {
  for (int o = 0; o < 3; ++o) {
    ASSERT_OK(store.CreateOrganization(
        {Org(o), "Organización " + std::to_string(o), "2025-01-01T00:00:00Z"}));
    for (int k = 0; k < 2; ++k) {
      std::string key =
          "sk_live_key" + std::to_string(o) + std::to_string(k) + std::to_string(first_id);
      ASSERT_OK(store.AddApiKey({Sha256(key), Org(o), key.substr(0, 14), "2025-01-01T00:00:00Z"}));
    }
  }
  for (int i = 0; i < webhooks; ++i) {
    Webhook w = MakeWebhook(Org(i % 3), first_id + i);
    ASSERT_OK(store.CreateWebhook(&w));
  }
  LmdbDeliveryStore deliveries(store.env());
  std::vector<Delivery> ds;
  for (int i = 0; i < 5; ++i) {
    Delivery d;
    d.internal_id = Org(0);
    d.webhook_id = WebhookId(first_id);
    d.event_id = "evt_" + std::to_string(i);
    d.event_type = "object.created";
    d.delivery_id = DeliveryId(0, d.internal_id, d.event_id, d.webhook_id, 0, 0);
    d.envelope_json = R"({"type":"object.created"})";
    d.next_attempt_ms = 1000 + i;
    d.created_at = "2025-01-01T00:00:00Z";
    ds.push_back(d);
  }
  ASSERT_OK(deliveries.Enqueue(ds, {}, 4242));
}

std::unique_ptr<LmdbStore> Open(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<LmdbStore>> s = LmdbStore::Open(dir);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : nullptr;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

absl::StatusOr<dump::Counts> DumpTo(LmdbStore& store, const std::string& path, bool state = true) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  DumpOptions options;
  options.include_state = state;
  options.data_dir = "/src";
  options.created_at = "2025-06-01T00:00:00Z";
  absl::StatusOr<dump::Counts> c = DumpStore(store, options, f);
  std::fclose(f);
  return c;
}

// `text` with its trailer recomputed, so that only the record-level problem remains.
std::string Reseal(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  std::getline(in, line);
  out = line + "\n";
  dump::Trailer t;
  dump::Sha256Stream sha;
  while (std::getline(in, line)) {
    if (line.rfind("{\"trailer\"", 0) == 0) break;
    auto r = dump::ParseRecord(line);
    ++t.counts[r.ok() ? r->kind : dump::Kind::kWebhook];
    sha.Update(line + "\n");
    out += line + "\n";
  }
  t.sha256_hex = sha.FinalHex();
  return out + dump::EncodeTrailer(t) + "\n";
}

std::string WithoutHeader(const std::string& text) { return text.substr(text.find('\n') + 1); }

TEST(AdminDumpRestoreTest, RoundTripIsIdenticalButForTheHeader) {
  TempDir src_dir, dst_dir, files;
  auto src = Open(src_dir.path());
  Populate(*src, 300);
  const std::string a = files.path() + "/a.jsonl", b = files.path() + "/b.jsonl";
  absl::StatusOr<dump::Counts> counts = DumpTo(*src, a);
  ASSERT_OK(counts.status());
  EXPECT_EQ((*counts)[dump::Kind::kOrg], 3u);
  EXPECT_EQ((*counts)[dump::Kind::kApiKey], 6u);
  EXPECT_EQ((*counts)[dump::Kind::kWebhook], 300u);
  EXPECT_EQ((*counts)[dump::Kind::kDelivery], 5u);
  EXPECT_EQ((*counts)[dump::Kind::kCursor], 1u);
  auto dst = Open(dst_dir.path());
  absl::StatusOr<DumpSummary> summary = RestoreStore(*dst, a, {});
  ASSERT_OK(summary.status());
  EXPECT_EQ(summary->counts, *counts);
  ASSERT_OK(DumpTo(*dst, b).status());
  EXPECT_EQ(WithoutHeader(ReadFile(a)), WithoutHeader(ReadFile(b)));
  // Indexes rebuilt: listing, totals, names, creation order, keys, queue, cursor.
  for (int o = 0; o < 3; ++o) {
    ListQuery q;
    q.limit = 1000;
    auto before = src->ListWebhooks(Org(o), q), after = dst->ListWebhooks(Org(o), q);
    ASSERT_OK(before.status());
    ASSERT_OK(after.status());
    EXPECT_EQ(before->total, after->total);
    EXPECT_EQ(before->items, after->items);
    q.is_active = false;
    EXPECT_EQ(src->ListWebhooks(Org(o), q)->total, dst->ListWebhooks(Org(o), q)->total);
  }
  auto by_name = dst->FindWebhooksByName(Org(0), "Crochet ✓ 日本語 3", 100);
  ASSERT_OK(by_name.status());
  EXPECT_EQ(*by_name, *src->FindWebhooksByName(Org(0), "Crochet ✓ 日本語 3", 100));
  EXPECT_OK(dst->FindApiKey(Sha256("sk_live_key100")).status());
  LmdbDeliveryStore dq(dst->env());
  EXPECT_EQ(*dq.Cursor(), 4242u);
  EXPECT_EQ(*dq.PendingCount(), 5u);
  Webhook next = MakeWebhook(Org(1), 100000);
  ASSERT_OK(dst->CreateWebhook(&next));
  EXPECT_EQ(next.seq, 301u);  // meta seq restored
}

// Each bad file is refused with a line number and leaves the target store byte-for-byte as it
// was, even with --replace.
TEST(AdminDumpRestoreTest, RefusalsLeaveTheTargetUntouched) {
  TempDir src_dir, dst_dir, files;
  auto src = Open(src_dir.path());
  Populate(*src, 40);
  const std::string good = files.path() + "/good.jsonl";
  ASSERT_OK(DumpTo(*src, good).status());
  const std::string text = ReadFile(good);
  auto dst = Open(dst_dir.path());
  Populate(*dst, 7, 5000);
  const std::string dst_file = dst_dir.path() + "/db/data.mdb";
  const std::string before = ReadFile(dst_file);

  auto line_start = [&](int n) {
    size_t pos = 0;
    for (int i = 1; i < n; ++i) pos = text.find('\n', pos) + 1;
    return pos;
  };
  std::string changed = text;
  size_t digit = changed.find("descripción ", line_start(20)) + std::string("descripción ").size();
  changed[digit] = changed[digit] == '9' ? '8' : '9';  // still a valid record
  std::string invalid = text;
  size_t url = invalid.find("https://hooks.example.com/");
  invalid.replace(url, 8, "ftp:///x");
  std::string duplicate = text;
  duplicate.insert(line_start(15), text.substr(line_start(14), line_start(15) - line_start(14)));
  std::string version = text;
  version.replace(version.find("\"version\":1"), 11, "\"version\":9");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated", text.substr(0, text.size() / 2)},
      {"truncated at a line end", text.substr(0, line_start(30))},
      {"changed byte", changed},
      {"invalid record", Reseal(invalid)},
      {"duplicate id", Reseal(duplicate)},
      {"wrong version", version},
      {"empty", ""},
  };
  for (const auto& [name, content] : cases) {
    SCOPED_TRACE(name);
    const std::string path = files.path() + "/bad.jsonl";
    WriteFile(path, content);
    RestoreOptions options;
    options.replace = true;
    absl::StatusOr<DumpSummary> r = RestoreStore(*dst, path, options);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
    EXPECT_EQ(r.status().message().rfind("line ", 0), 0u) << r.status();
    EXPECT_EQ(ReadFile(dst_file), before);
    std::cerr << name << ": " << r.status().message() << "\n";
  }
  absl::StatusOr<DumpSummary> r = RestoreStore(*dst, good, {});
  EXPECT_TRUE(absl::IsFailedPrecondition(r.status())) << r.status();
  EXPECT_EQ(ReadFile(dst_file), before);
}

TEST(AdminDumpRestoreTest, ErrorsNameTheLine) {
  TempDir src_dir, files;
  auto src = Open(src_dir.path());
  Populate(*src, 10);
  const std::string good = files.path() + "/good.jsonl";
  ASSERT_OK(DumpTo(*src, good).status());
  std::string text = ReadFile(good);
  text.replace(text.find("\"version\":1"), 11, "\"version\":2");
  WriteFile(good, text);
  absl::StatusOr<DumpSummary> r = CheckDumpFile(good);
  EXPECT_EQ(r.status().message(),
            "line 1: unsupported dump version 2 (this webhookctl reads version 1)");
}

TEST(AdminDumpRestoreTest, ReplaceSwapsTheContent) {
  TempDir src_dir, dst_dir, files;
  auto src = Open(src_dir.path());
  Populate(*src, 20);
  const std::string a = files.path() + "/a.jsonl", b = files.path() + "/b.jsonl";
  ASSERT_OK(DumpTo(*src, a, /*state=*/false).status());
  auto dst = Open(dst_dir.path());
  Populate(*dst, 9, 7000);
  // An idempotency key of the target names a webhook the restore removes: it goes too.
  Webhook keyed = MakeWebhook(Org(0), 7100);
  const IdempotentCreate once{"key-1", "fp", 1'800'000'000'000};
  ASSERT_OK(dst->CreateWebhookOnce(&keyed, once).status());
  RestoreOptions options;
  options.replace = true;
  ASSERT_OK(RestoreStore(*dst, a, options).status());
  ASSERT_OK(DumpTo(*dst, b, false).status());
  EXPECT_EQ(WithoutHeader(ReadFile(a)), WithoutHeader(ReadFile(b)));
  EXPECT_TRUE(absl::IsNotFound(dst->GetWebhook(Org(0), WebhookId(7000)).status()));
  Webhook again = MakeWebhook(Org(0), 7101);
  absl::StatusOr<std::optional<std::string>> replay = dst->CreateWebhookOnce(&again, once);
  ASSERT_OK(replay.status());
  EXPECT_FALSE(replay->has_value());  // created: the key was forgotten
  LmdbDeliveryStore dq(dst->env());
  EXPECT_EQ(*dq.Cursor(), 4242u);  // the dump had no state: the target's is kept
}

TEST(AdminDumpRestoreTest, DumpDuringWritesIsConsistent) {
  TempDir dir, files;
  auto store = Open(dir.path());
  Populate(*store, 50);
  std::atomic<bool> stop{false};
  std::atomic<int> created{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      Webhook w = MakeWebhook(Org(i % 3), 10000 + i);
      if (store->CreateWebhook(&w).ok()) ++created;
    }
  });
  while (created < 20) std::this_thread::yield();
  const std::string a = files.path() + "/a.jsonl";
  absl::StatusOr<dump::Counts> counts = DumpTo(*store, a);
  int after = created.load();
  stop = true;
  writer.join();
  ASSERT_OK(counts.status());
  absl::StatusOr<DumpSummary> summary = CheckDumpFile(a);
  ASSERT_OK(summary.status());
  EXPECT_EQ(summary->counts, *counts);
  EXPECT_GE((*counts)[dump::Kind::kWebhook], 70u);
  EXPECT_LE((*counts)[dump::Kind::kWebhook], 50u + after);
}

}  // namespace
}  // namespace webhooks
