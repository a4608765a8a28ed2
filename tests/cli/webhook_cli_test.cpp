// qblink webhook set|show|remove: the admin::Service's webhook through the command line.
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.h"

namespace qblink::test {
namespace {

using WebhookCli = Cli;

TEST_F(WebhookCli, SetShowRemove) {
  add_user("acme");
  auto r = run("webhook set acme http://example.com/hook");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("https://"), std::string::npos) << r.out;
  EXPECT_EQ(run("webhook set nobody https://example.com/hook").exit_code, 1);

  r = run("webhook set acme https://example.com/hook", "", false, true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("whsec_", 0), 0u) << "the secret alone on stdout: " << r.out;
  r = run("webhook set acme https://example.com/hook --secret 0123456789abcdef-own", "", false,
          true);
  EXPECT_EQ(r.out, "0123456789abcdef-own\n");

  r = run("webhook show acme --json", "", false, true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["url"], "https://example.com/hook");
  EXPECT_FALSE(j.contains("secret"));
  EXPECT_NE(run("webhook show acme").out.find("no deliveries yet"), std::string::npos);

  EXPECT_EQ(run("webhook remove acme").exit_code, 0);
  r = run("webhook show acme");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("has no webhook"), std::string::npos) << r.out;
  EXPECT_EQ(run("webhook remove acme").exit_code, 1);
}

}  // namespace
}  // namespace qblink::test
