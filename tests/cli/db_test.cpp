// qblink migrate / copy / backup on PostgreSQL, through the real program.
#include <gtest/gtest.h>

#include "cli/cli_fixture.h"
#include "support/pg_support.h"

namespace qblink::test {
namespace {

TEST_F(Cli, MigratePrintsTheVersionsAndThenThatItIsUpToDate) {
  const auto first = run("migrate");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("schema version 0 -> " + std::to_string(store::latest_schema_version())),
            std::string::npos)
      << first.out;
  const auto again = run("migrate");
  EXPECT_NE(again.out.find("up to date"), std::string::npos) << again.out;
}

TEST_F(Cli, CopyPrintsRowCountsAndRefusesATargetWithData) {
  add_user("acme");
  const std::string to = (dir / "copy.db").string();
  const auto r = run("copy --from '" + db + "' --to '" + to + "'", "", true);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("  tenants: 1 rows"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("counts verified"), std::string::npos) << r.out;
  const auto again = run("copy --from '" + db + "' --to '" + to + "'", "", true);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.out.find("not empty"), std::string::npos) << again.out;
}

TEST_F(Cli, BackupOnPostgresPointsToPgDumpAndNoPasswordIsPrinted) {
  const auto r =
      run("--db 'postgresql://qblink:s3cr3t-pw@/qblink?host=/nonexistent' backup x.db", "", true);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("pg_dump"), std::string::npos) << r.out;
  const auto list =
      run("--db 'postgresql://qblink:s3cr3t-pw@/qblink?host=/nonexistent' user list", "", true);
  EXPECT_NE(list.exit_code, 0);
  EXPECT_EQ(list.out.find("s3cr3t-pw"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("qblink:***@"), std::string::npos) << list.out;
}

TEST_F(Cli, AnInstallationMovesToPostgresAndBack) {
  QBLINK_SKIP_WITHOUT_PG(store::Engine::Postgres);
  PgSchema pg(*pg_uri());
  add_user("acme");
  const auto there = run("copy --from '" + db + "' --to '" + pg.uri() + "'", "", true);
  ASSERT_EQ(there.exit_code, 0) << there.out;
  const auto users = run("--db '" + pg.uri() + "' user list --json", "", true, true);
  EXPECT_NE(users.out.find("acme"), std::string::npos) << users.out;
  const std::string back = (dir / "back.db").string();
  const auto home = run("copy --from '" + pg.uri() + "' --to '" + back + "'", "", true);
  ASSERT_EQ(home.exit_code, 0) << home.out;
  EXPECT_EQ(home.out.substr(0, home.out.find("copied")),
            there.out.substr(0, there.out.find("copied")))
      << "the same rows per table both ways";
}

}  // namespace
}  // namespace qblink::test
