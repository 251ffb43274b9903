#include "admin/commands.h"

#include <boost/program_options.hpp>
#include <iostream>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"
#include "eventlog/file_event_log.h"
#include "model/event.h"
#include "model/json_input.h"
#include "model/validation.h"

namespace po = boost::program_options;

namespace webhooks::admin {

int Parse(const Args& args, const po::options_description& desc, const char* usage,
          po::variables_map* vm) {
  try {
    po::store(po::command_line_parser(args).options(desc).run(), *vm);
    if (vm->count("help")) {
      std::cout << usage << "\n" << desc << "\n";
      return 0;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    std::cerr << "webhookctl: " << e.what() << "\n" << usage << "\n" << desc << "\n";
    return 2;
  }
  return -1;
}

po::options_description Options(bool json) {
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help");
  if (json) desc.add_options()("json", "print JSON instead of text");
  return desc;
}

int Fail(const absl::Status& status, const std::string& what) {
  std::cerr << "webhookctl: " << what << ": " << status.message() << "\n";
  return 1;
}

int OrgCreate(Context& ctx, const Args& args) {
  std::string name;
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help")("name", po::value(&name)->required(),
                                                  "organization name (1-200 characters)");
  po::variables_map vm;
  if (int rc = Parse(args, desc, "Usage: webhookctl --data-dir DIR org create --name NAME", &vm);
      rc >= 0) {
    return rc;
  }
  if (name.empty() || name.size() > 800) {
    std::cerr << "webhookctl: --name must be 1-200 characters\n";
    return 2;
  }
  Organization org{NewOrganizationId(), name, FormatTimestamp(SystemClock()())};
  if (absl::Status st = ctx.store.CreateOrganization(org); !st.ok()) {
    return Fail(st, "cannot create organization");
  }
  std::cout << org.internal_id << "\n";
  return 0;
}

int KeyCreate(Context& ctx, const Args& args) {
  std::string org;
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help")("org", po::value(&org)->required(),
                                                  "organization internal_id (int_...)");
  po::variables_map vm;
  if (int rc = Parse(args, desc, "Usage: webhookctl --data-dir DIR key create --org ORG_ID", &vm);
      rc >= 0) {
    return rc;
  }
  if (!IsOrganizationId(org)) {
    std::cerr << "webhookctl: --org must be an organization id (int_ + 24 characters)\n";
    return 2;
  }
  std::string key = NewApiKey();
  ApiKeyRecord record{Sha256(key), org, ApiKeyPrefix(key), FormatTimestamp(SystemClock()())};
  if (absl::Status st = ctx.store.AddApiKey(record); !st.ok()) return Fail(st, "cannot create key");
  std::cout << key << "\n";
  return 0;
}

int EventEmit(Context& ctx, const Args& args) {
  std::string org, type, data = "{}";
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help")("org", po::value(&org)->required(),
                                                  "organization internal_id (int_...)")(
      "type", po::value(&type)->required(), "event type, e.g. object.created")(
      "data", po::value(&data),
      "JSON object with the other event fields (event_id, "
      "occurred_at, namespace_id, subject, metadata, cache_scope)");
  po::variables_map vm;
  const char* usage =
      "Usage: webhookctl --data-dir DIR event emit --org ORG --type TYPE [--data JSON]";
  if (int rc = Parse(args, desc, usage, &vm); rc >= 0) return rc;
  if (absl::StatusOr<Organization> o = ctx.store.GetOrganization(org); !o.ok()) {
    return Fail(o.status(), "unknown organization");
  }
  rapidjson::Document body;
  if (absl::Status st = ParseJson(data, &body); !st.ok()) return Fail(st, "--data");
  if (!body.IsObject()) return Fail(absl::InvalidArgumentError("not a JSON object"), "--data");
  body.RemoveMember("event_type");
  body.AddMember("event_type", rapidjson::Value(type.c_str(), body.GetAllocator()),
                 body.GetAllocator());
  absl::StatusOr<Event> event = ParseEventBody(body, org, SystemClock()());
  if (!event.ok()) {
    std::string details = FieldErrorsJson(event.status()).value_or("");
    std::cerr << "webhookctl: invalid event: " << event.status().message() << " " << details
              << "\n";
    return 2;
  }
  auto log = OpenFileEventAppender(ctx.data_dir + "/events");
  if (!log.ok()) return Fail(log.status(), "cannot open event log");
  absl::StatusOr<uint64_t> position = (*log)->Append(EncodeEventRecord(*event));
  if (!position.ok()) return Fail(position.status(), "cannot append event");
  std::cout << event->event_id << "\n";
  return 0;
}

}  // namespace webhooks::admin
