#include "admin/commands.h"

#include <boost/program_options.hpp>
#include <iostream>

#include "common/crypto.h"
#include "common/ids.h"
#include "common/time_format.h"

namespace po = boost::program_options;

namespace webhooks::admin {
namespace {

// Parses `args` against `desc`. Returns -1 to continue, else the exit code to return now.
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

int Fail(const absl::Status& status, const std::string& what) {
  std::cerr << "webhookctl: " << what << ": " << status.message() << "\n";
  return 1;
}

}  // namespace

int OrgCreate(LmdbStore& store, const Args& args) {
  std::string name;
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help")(
      "name", po::value(&name)->required(), "organization name (1-200 characters)");
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
  if (absl::Status st = store.CreateOrganization(org); !st.ok()) {
    return Fail(st, "cannot create organization");
  }
  std::cout << org.internal_id << "\n";
  return 0;
}

int KeyCreate(LmdbStore& store, const Args& args) {
  std::string org;
  po::options_description desc("Options");
  desc.add_options()("help,h", "print this help")(
      "org", po::value(&org)->required(), "organization internal_id (int_...)");
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
  if (absl::Status st = store.AddApiKey(record); !st.ok()) return Fail(st, "cannot create key");
  std::cout << key << "\n";
  return 0;
}

}  // namespace webhooks::admin
