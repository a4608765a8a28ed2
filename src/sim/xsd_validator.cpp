#include "sim/xsd_validator.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlversion.h>

#include <climits>
#include <mutex>
#include <stdexcept>

namespace qblink::sim {

namespace {

// One deleter per libxml2 free function, so each handle type owns its C object.
template <auto Free>
struct LibxmlDeleter {
  template <typename T>
  void operator()(T* handle) const {
    Free(handle);
  }
};
using SchemaParserContext =
    std::unique_ptr<xmlSchemaParserCtxt, LibxmlDeleter<xmlSchemaFreeParserCtxt>>;
using SchemaHandle = std::unique_ptr<xmlSchema, LibxmlDeleter<xmlSchemaFree>>;
using ValidationContext =
    std::unique_ptr<xmlSchemaValidCtxt, LibxmlDeleter<xmlSchemaFreeValidCtxt>>;
using ParserContext = std::unique_ptr<xmlParserCtxt, LibxmlDeleter<xmlFreeParserCtxt>>;
using Document = std::unique_ptr<xmlDoc, LibxmlDeleter<xmlFreeDoc>>;

// Collects the first few libxml2 errors of one operation as "line N: message; ...".
struct ErrorLog {
  static constexpr int kKept = 3;
  std::string text;
  int count = 0;

  void add(const xmlError* error) {
    if (error == nullptr || ++count > kKept) return;
    std::string message = error->message != nullptr ? error->message : "unknown error";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    if (!text.empty()) text += "; ";
    text += error->line > 0 ? fmt::format("line {}: {}", error->line, message) : message;
  }
  std::string summary() const {
    return count > kKept ? fmt::format("{} (and {} more)", text, count - kKept) : text;
  }
};

// libxml2 2.12 made the structured error callback take a const pointer.
#if LIBXML_VERSION >= 21200
void collect_error(void* log, const xmlError* error) { static_cast<ErrorLog*>(log)->add(error); }
#else
void collect_error(void* log, xmlErrorPtr error) { static_cast<ErrorLog*>(log)->add(error); }
#endif

void init_libxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

}  // namespace

struct XsdValidator::Schema {
  SchemaHandle handle;
};

XsdValidator::XsdValidator(const std::filesystem::path& schema_file) {
  init_libxml();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(schema_file, ec)) {
    throw std::runtime_error(fmt::format("{}: no such XML Schema file", schema_file.string()));
  }
  SchemaParserContext parser(xmlSchemaNewParserCtxt(schema_file.c_str()));
  if (!parser)
    throw std::runtime_error(fmt::format("{}: cannot read the schema", schema_file.string()));
  ErrorLog log;
  xmlSchemaSetParserStructuredErrors(parser.get(), collect_error, &log);
  SchemaHandle schema(xmlSchemaParse(parser.get()));
  if (!schema) {
    throw std::runtime_error(
        fmt::format("{}: not a usable XML Schema: {}", schema_file.string(), log.summary()));
  }
  schema_ = std::make_unique<Schema>(Schema{std::move(schema)});
}

XsdValidator::~XsdValidator() = default;
XsdValidator::XsdValidator(XsdValidator&&) noexcept = default;
XsdValidator& XsdValidator::operator=(XsdValidator&&) noexcept = default;

XsdValidator XsdValidator::qbxml13(const std::filesystem::path& xsd_dir) {
  return XsdValidator(xsd_dir / "qbxmlops130.xsd");
}

XsdValidator::Result XsdValidator::validate(std::string_view document) const {
  if (document.size() > static_cast<std::size_t>(INT_MAX)) return {false, "document too large"};
  ParserContext parser(xmlNewParserCtxt());
  if (!parser) return {false, "out of memory"};
  // No NOENT (entities stay unexpanded) and no DTDLOAD/DTDVALID: nothing is fetched for the
  // document. NONET guards anything libxml2 might still try to load.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  Document doc(xmlCtxtReadMemory(parser.get(), document.data(), static_cast<int>(document.size()),
                                 "document.xml", nullptr, options));
  if (!doc) {
    ErrorLog log;
    log.add(xmlCtxtGetLastError(parser.get()));
    return {false,
            "not well-formed: " + (log.text.empty() ? std::string("unknown error") : log.text)};
  }
  if (xmlGetIntSubset(doc.get()) != nullptr) return {false, "a DOCTYPE is not allowed"};

  ValidationContext validation(xmlSchemaNewValidCtxt(schema_->handle.get()));
  if (!validation) return {false, "out of memory"};
  ErrorLog log;
  xmlSchemaSetValidStructuredErrors(validation.get(), collect_error, &log);
  const int rc = xmlSchemaValidateDoc(validation.get(), doc.get());
  if (rc == 0) return {true, {}};
  if (rc < 0) return {false, "internal libxml2 error while validating"};
  return {false, log.summary()};
}

}  // namespace qblink::sim
