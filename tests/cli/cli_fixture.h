#pragma once
// The fixture of the command-line tests: runs the real program (QBLINK_BINARY) on a temporary
// database and returns its exit code and output (stdout and stderr together).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "support/test_support.h"

namespace qblink::test {

struct Result {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

class Cli : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = (dir / "q.db").string();

  // Runs `qblink ARGS` with --db DB first unless `own_db`.
  // `stdout_only`: standard error is discarded (for output that must parse).
  Result run(const std::string& args, const std::string& stdin_text = "", bool own_db = false,
             bool stdout_only = false) {
    const auto input = dir / "stdin.txt";
    write_file(input, stdin_text);
    const std::string cmd = std::string(QBLINK_BINARY) + (own_db ? "" : " --db '" + db + "'") +
                            " " + args + " < '" + input.string() + "'" +
                            (stdout_only ? " 2>/dev/null" : " 2>&1");
    Result r;
    FILE* pipe = popen(cmd.c_str(), "r");
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, pipe)) r.out.append(buf, n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }
  // Writes `bytes` exactly to a file in the temporary folder; returns its quoted path.
  std::string put(const std::string& name, const std::string& bytes) {
    write_file(dir / name, bytes);
    return "'" + (dir / name).string() + "'";
  }
  void add_user(const std::string& user) {
    ASSERT_EQ(run("user add '" + user + "' --password-stdin", "long-enough-pw\n").exit_code, 0);
  }
};

}  // namespace qblink::test
