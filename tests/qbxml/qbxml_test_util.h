#pragma once
// Helpers for the qbXML tests: schema validation with xmllint and the reference folders.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "support/test_support.h"

namespace qblink::test {

inline std::filesystem::path qbxml_xsd() { return reference_dir() / "qbxml/13.0/qbxmlops130.xsd"; }
inline std::filesystem::path qbxml_captures() {
  return reference_dir() / "captures/qbxml-responses";
}
inline std::filesystem::path qbxml_samples() { return reference_dir() / "samples/qbxml"; }
// Our own golden requests (top-level qbxml/ folder of the repository).
inline std::filesystem::path qbxml_goldens() {
  return std::filesystem::path(QBLINK_SOURCE_DIR) / "qbxml";
}

inline std::string reference_missing_message() {
  return "the reference folder " + reference_dir().string() +
         " is absent (no qbxml/13.0/qbxmlops130.xsd): configure with "
         "-DQBLINK_REFERENCE_DIR=<path to shared/reference>";
}

// Runs `xmllint --noout --schema qbxmlops130.xsd` over the files and succeeds only on exit 0.
// The failure message carries xmllint's own output, which names the offending element.
inline ::testing::AssertionResult ValidateFiles(const std::vector<std::filesystem::path>& files) {
  if (!has_reference()) return ::testing::AssertionFailure() << reference_missing_message();
  TempDir dir;
  std::string cmd = "xmllint --noout --schema '" + qbxml_xsd().string() + "'";
  for (const auto& f : files) cmd += " '" + f.string() + "'";
  cmd += " >'" + (dir / "xmllint.out").string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  const std::string output = read_file(dir / "xmllint.out");
  if (status == -1 || !WIFEXITED(status)) {
    return ::testing::AssertionFailure() << "could not run xmllint: " << output;
  }
  if (WEXITSTATUS(status) != 0) {
    return ::testing::AssertionFailure() << "xmllint exit " << WEXITSTATUS(status) << ":\n"
                                         << output;
  }
  return ::testing::AssertionSuccess();
}

// Validates in-memory documents (name, text) in one xmllint run.
inline ::testing::AssertionResult ValidateDocuments(
    const std::vector<std::pair<std::string, std::string>>& documents) {
  if (!has_reference()) return ::testing::AssertionFailure() << reference_missing_message();
  TempDir dir;
  std::vector<std::filesystem::path> files;
  for (const auto& [name, text] : documents) {
    files.push_back(dir / (name + ".xml"));
    write_file(files.back(), text);
  }
  return ValidateFiles(files);
}

inline ::testing::AssertionResult ValidateDocument(const std::string& text) {
  return ValidateDocuments({{"request", text}});
}

}  // namespace qblink::test
