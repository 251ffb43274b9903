// webhookctl dump / restore and the operator commands against the real stack: a store filled
// through the API is dumped while the API runs, restored into a second running stack, and
// serves the same answers there with the old API keys.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/sinks_harness.h"
#include "tests/integration/stack_harness.h"
#include "tests/test_util.h"

namespace webhooks::testing {
namespace {

std::string Ctl(const Stack& stack, std::vector<std::string> args, int* rc) {
  args.insert(args.begin(), {WH_CTL_BIN, "--data-dir", stack.data_dir()});
  return RunCommand(args, rc);
}

// stdout and stderr together, for error messages.
std::string CtlAll(const Stack& stack, const std::string& args, int* rc) {
  return RunCommand(
      {"sh", "-c",
       std::string(WH_CTL_BIN) + " --data-dir " + stack.data_dir() + " " + args + " 2>&1"},
      rc);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ChannelJson(int n) {
  switch (n % 4) {
    case 0:
      return R"({"channel":"webhook","configs":{"url":"https://example.com/h/)" +
             std::to_string(n) + R"(","headers":{"X-K":"v"}}})";
    case 1:
      return R"({"channel":"slack","configs":{"webhook_url":"https://hooks.slack.com/services/)" +
             std::to_string(n) + R"("}})";
    case 2:
      return R"({"channel":"email","configs":{"to_addresses":["a)" + std::to_string(n) +
             R"(@example.com"]}})";
    default:
      return R"({"channel":"sms","configs":{"phone_numbers":["+1415555)" +
             std::to_string(1000 + n) + R"("]}})";
  }
}

std::string Body(int n) {
  return R"({"webhook_name":"Crochet ✓ 日本語 )" + std::to_string(n) +
         R"(","event_types":["object.created"],"is_active":)" + (n % 3 ? "true" : "false") +
         R"(,"channels":[)" + ChannelJson(n) + "," + ChannelJson(n + 1) + "]}";
}

std::string WithoutHeader(const std::string& text) { return text.substr(text.find('\n') + 1); }

TEST(AdminDumpRestoreIntegrationTest, RestoredStackServesTheSameAnswers) {
  auto src = Stack::Start();
  ASSERT_NE(src, nullptr);
  std::vector<std::string> keys;
  for (int o = 0; o < 3; ++o)
    keys.push_back(src->CreateKey(src->CreateOrg("Org ✓ " + std::to_string(o))));
  std::vector<std::pair<std::string, std::string>> ids;  // (key, webhook id)
  for (int n = 0; n < 240; ++n) {
    const std::string& key = keys[n % 3];
    HttpResult r = src->Request("POST", "/v1/organizations/webhooks", Body(n), key);
    ASSERT_EQ(r.status, 201) << r.body;
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    ids.emplace_back(key, d["webhook_id"].GetString());
  }
  const std::string dir = src->data_dir() + "/../dumps";
  std::filesystem::create_directories(dir);
  int rc = -1;
  Ctl(*src, {"dump", "--out", dir + "/a.jsonl", "--include-state"}, &rc);
  ASSERT_EQ(rc, 0);

  auto dst = Stack::Start();  // running, empty
  ASSERT_NE(dst, nullptr);
  std::string out = Ctl(*dst, {"restore", "--in", dir + "/a.jsonl"}, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("240 webhook"), std::string::npos) << out;
  for (const std::string& key : keys) {
    for (const char* path :
         {"/v1/organizations/webhooks?limit=50", "/v1/organizations/webhooks?limit=50&offset=50"}) {
      HttpResult a = src->Request("GET", path, "", key), b = dst->Request("GET", path, "", key);
      EXPECT_EQ(a.status, 200);
      EXPECT_EQ(a.status, b.status);
      EXPECT_EQ(a.body, b.body);
    }
  }
  for (size_t i = 0; i < ids.size(); i += 7) {
    const std::string path = "/v1/organizations/webhooks/" + ids[i].second;
    HttpResult a = src->Request("GET", path, "", ids[i].first);
    HttpResult b = dst->Request("GET", path, "", ids[i].first);
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, b.body);
  }
  Ctl(*dst, {"dump", "--out", dir + "/b.jsonl", "--include-state"}, &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(WithoutHeader(ReadFile(dir + "/a.jsonl")), WithoutHeader(ReadFile(dir + "/b.jsonl")));
  // A second restore into the now non-empty store is refused and changes nothing, nor does a
  // damaged file with --replace: data.mdb stays byte-for-byte the same (restore opens the store
  // for its bulk write, which resizes the file, only once everything was checked).
  const std::string db_file = dst->data_dir() + "/db/data.mdb";
  const std::string before = ReadFile(db_file);
  out = CtlAll(*dst, "restore --in " + dir + "/a.jsonl", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("not empty"), std::string::npos) << out;
  EXPECT_TRUE(ReadFile(db_file) == before);
  std::string damaged = ReadFile(dir + "/a.jsonl");
  damaged[damaged.find("Org ")] = 'X';  // breaks the trailer's SHA-256
  std::ofstream(dir + "/damaged.jsonl", std::ios::binary) << damaged;
  out = CtlAll(*dst, "restore --replace --in " + dir + "/damaged.jsonl", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("line "), std::string::npos) << out;
  EXPECT_TRUE(ReadFile(db_file) == before);
  std::filesystem::remove_all(dir);
}

TEST(AdminDumpRestoreIntegrationTest, OperatorCommands) {
  auto stack = Stack::Start();
  ASSERT_NE(stack, nullptr);
  std::string org = stack->CreateOrg("Ops");
  std::string key = stack->CreateKey(org), other = stack->CreateKey(org);
  ASSERT_EQ(stack->Request("POST", "/v1/organizations/webhooks", Body(0), key).status, 201);
  int rc = -1;
  std::string out = Ctl(*stack, {"org", "list"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find(org), std::string::npos) << out;
  out = Ctl(*stack, {"key", "list", "--org", org, "--json"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find(key.substr(0, 14)), std::string::npos) << out;
  EXPECT_EQ(out.find(key), std::string::npos) << "a full key was printed";
  out = Ctl(*stack, {"webhook", "list", "--org", org}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("webhook,slack"), std::string::npos) << out;
  // --json types cells by column: a webhook named "true" stays a string, is_active is a boolean.
  ASSERT_EQ(stack
                ->Request("POST", "/v1/organizations/webhooks",
                          R"({"webhook_name":"true","event_types":["*"],"is_active":false,)"
                          R"("channels":[{"channel":"webhook","configs":{"url":"https://e.x/"}}]})",
                          key)
                .status,
            201);
  rapidjson::Document listed =
      ParseJsonText(Ctl(*stack, {"webhook", "list", "--org", org, "--json"}, &rc));
  EXPECT_EQ(rc, 0);
  ASSERT_TRUE(listed.IsArray());
  ASSERT_EQ(listed.Size(), 2u);
  const rapidjson::Value& named_true = listed[1];
  ASSERT_TRUE(named_true["webhook_name"].IsString());
  EXPECT_STREQ(named_true["webhook_name"].GetString(), "true");
  ASSERT_TRUE(named_true["is_active"].IsBool());
  EXPECT_FALSE(named_true["is_active"].GetBool());
  EXPECT_TRUE(listed[0]["is_active"].IsBool());
  out = Ctl(*stack, {"stats", "--json"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("\"webhooks\":2"), std::string::npos) << out;
  out = Ctl(*stack, {"key", "revoke", key.substr(0, 14)}, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(stack->Request("GET", "/v1/organizations/webhooks", "", key).status, 401);
  EXPECT_EQ(stack->Request("GET", "/v1/organizations/webhooks", "", other).status, 200);
  out = Ctl(*stack, {"deliveries", "retry", "--webhook", "wh_0000000000"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("re-queued 0"), std::string::npos) << out;
  // Misuse: clear message, exit 2.
  for (const char* bad : {"restore", "key list", "key revoke nope", "deliveries retry --webhook x",
                          "stats --bogus", "deliveries retry --webhook wh_0000000000 --since y"}) {
    out = CtlAll(*stack, bad, &rc);
    EXPECT_EQ(rc, 2) << bad << ": " << out;
    EXPECT_NE(out.find("webhookctl: "), std::string::npos) << bad << ": " << out;
  }
  out = CtlAll(*stack, "key revoke sk_live_zzzzzz", &rc);
  EXPECT_EQ(rc, 1) << out;
}

// A dump taken with --include-state carries the notifier cursor: a position in the old host's
// event log. Restored where that log is not, the cursor starts at this host's log (else the
// notifier would skip the events appended here before that position); restored next to a copy
// of the log, it is kept.
TEST(AdminDumpRestoreIntegrationTest, RestoredCursorFollowsTheLocalEventLog) {
  TempDir old_host, fresh, copied;
  auto ctl = [](const std::string& dir, std::vector<std::string> args, int* rc) {
    args.insert(args.begin(), {WH_CTL_BIN, "--data-dir", dir});
    return RunCommand(args, rc);
  };
  auto cursor = [&](const std::string& dir) -> int64_t {
    int rc = -1;
    rapidjson::Document doc = ParseJsonText(ctl(dir, {"stats", "--json"}, &rc));
    EXPECT_EQ(rc, 0);
    return doc.IsObject() && doc.HasMember("notifier_cursor") ? doc["notifier_cursor"].GetInt64()
                                                              : -1;
  };
  int rc = -1;
  const std::string org = ctl(old_host.path(), {"org", "create", "--name", "old"}, &rc);
  ASSERT_EQ(rc, 0) << org;
  for (int i = 0; i < 3; ++i) {
    ctl(old_host.path(), {"event", "emit", "--org", org, "--type", "object.created"}, &rc);
    ASSERT_EQ(rc, 0);
  }
  // The old host's notifier fans the three events out: its cursor moves to the log's end.
  RunCommand({"timeout", "3", NotifierBin(), "--data-dir", old_host.path()}, &rc);
  const int64_t dumped = cursor(old_host.path());
  ASSERT_GT(dumped, 0);
  const std::string dump = old_host.path() + "/state.jsonl";
  ctl(old_host.path(), {"dump", "--include-state", "--out", dump}, &rc);
  ASSERT_EQ(rc, 0);

  std::string out = RunCommand(
      {"sh", "-c",
       std::string(WH_CTL_BIN) + " --data-dir " + fresh.path() + " restore --in " + dump + " 2>&1"},
      &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("the notifier will read this log from 0"), std::string::npos) << out;
  EXPECT_EQ(cursor(fresh.path()), 0);

  std::filesystem::copy(old_host.path() + "/events", copied.path() + "/events");
  out = ctl(copied.path(), {"restore", "--in", dump}, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(cursor(copied.path()), dumped);
}

}  // namespace
}  // namespace webhooks::testing
