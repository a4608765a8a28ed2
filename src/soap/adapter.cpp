#include "soap/adapter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <pugixml.hpp>
#include <sstream>

#include "soapQBWebConnectorSvcSoapService.h"
#include "sync/service.h"

namespace qblink::soap {
namespace {

std::string str(const std::string* p) { return p ? *p : std::string(); }

// The generated service with each operation forwarded to sync::Service.
class Adapter final : public QBWebConnectorSvcSoapService {
 public:
  Adapter(soap_mode mode, sync::Service& service)
      : QBWebConnectorSvcSoapService(mode, mode), service_(service) {}

  // Not used (we never accept sockets), but the generated copy() would share the context.
  QBWebConnectorSvcSoapService* copy() override { return nullptr; }

  int serverVersion(_qbw__serverVersion*, _qbw__serverVersionResponse& rs) override {
    rs.serverVersionResult = out(service_.server_version());
    return SOAP_OK;
  }
  int getServerVersion(_qbw__getServerVersion*, _qbw__getServerVersionResponse& rs) override {
    rs.getServerVersionResult = out(service_.server_version());
    return SOAP_OK;
  }
  int clientVersion(_qbw__clientVersion* rq, _qbw__clientVersionResponse& rs) override {
    rs.clientVersionResult = out(service_.client_version(str(rq->strVersion)));
    return SOAP_OK;
  }
  int authenticate(_qbw__authenticate* rq, _qbw__authenticateResponse& rs) override {
    rs.authenticateResult = soap_new_qbw__ArrayOfString(soap);
    rs.authenticateResult->string =
        service_.authenticate(str(rq->strUserName), str(rq->strPassword));
    return SOAP_OK;
  }
  int sendRequestXML(_qbw__sendRequestXML* rq, _qbw__sendRequestXMLResponse& rs) override {
    sync::SendRequestArgs a;
    a.ticket = str(rq->ticket);
    a.hcp_response = str(rq->strHCPResponse);
    a.company_file_name = str(rq->strCompanyFileName);
    a.country = str(rq->qbXMLCountry);
    a.qbxml_major = rq->qbXMLMajorVers;
    a.qbxml_minor = rq->qbXMLMinorVers;
    rs.sendRequestXMLResult = out(service_.send_request_xml(a));
    return SOAP_OK;
  }
  int receiveResponseXML(_qbw__receiveResponseXML* rq,
                         _qbw__receiveResponseXMLResponse& rs) override {
    sync::ReceiveResponseArgs a;
    a.ticket = str(rq->ticket);
    a.response = str(rq->response);
    a.hresult = str(rq->hresult);
    a.message = str(rq->message);
    rs.receiveResponseXMLResult = service_.receive_response_xml(a);
    return SOAP_OK;
  }
  int connectionError(_qbw__connectionError* rq, _qbw__connectionErrorResponse& rs) override {
    rs.connectionErrorResult =
        out(service_.connection_error(str(rq->ticket), str(rq->hresult), str(rq->message)));
    return SOAP_OK;
  }
  int getLastError(_qbw__getLastError* rq, _qbw__getLastErrorResponse& rs) override {
    rs.getLastErrorResult = out(service_.get_last_error(str(rq->ticket)));
    return SOAP_OK;
  }
  int closeConnection(_qbw__closeConnection* rq, _qbw__closeConnectionResponse& rs) override {
    rs.closeConnectionResult = out(service_.close_connection(str(rq->ticket)));
    return SOAP_OK;
  }
  int getInteractiveURL(_qbw__getInteractiveURL* rq, _qbw__getInteractiveURLResponse& rs) override {
    rs.getInteractiveURLResult =
        out(service_.get_interactive_url(str(rq->wcTicket), str(rq->sessionID)));
    return SOAP_OK;
  }
  int interactiveDone(_qbw__interactiveDone* rq, _qbw__interactiveDoneResponse& rs) override {
    rs.interactiveDoneResult = out(service_.interactive_done(str(rq->wcTicket)));
    return SOAP_OK;
  }
  int interactiveRejected(_qbw__interactiveRejected* rq,
                          _qbw__interactiveRejectedResponse& rs) override {
    rs.interactiveRejectedResult =
        out(service_.interactive_rejected(str(rq->wcTicket), str(rq->reason)));
    return SOAP_OK;
  }

 private:
  // Allocated in the context: freed by destroy() after the answer is written.
  std::string* out(std::string value) {
    auto* p = soap_new_std__string(soap);
    *p = std::move(value);
    return p;
  }

  sync::Service& service_;
};

bool has_doctype(std::string_view body) {
  // gSOAP accepts a DOCTYPE without expanding it, so refuse it here. "<!" is rare (comments,
  // CDATA), so find it fast and compare the rest without regard to case.
  static constexpr std::string_view rest = "doctype";
  for (auto pos = body.find("<!"); pos != std::string_view::npos; pos = body.find("<!", pos + 2)) {
    const auto word = body.substr(pos + 2, rest.size());
    if (word.size() == rest.size() &&
        std::equal(word.begin(), word.end(), rest.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
      return true;
  }
  return false;
}

bool starts_like_xml(std::string_view body) {
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  const auto pos = body.find_first_not_of(" \t\r\n");
  return pos != std::string_view::npos && body[pos] == '<';
}

SoapResult plain(unsigned status, std::string text) {
  return {status, "text/plain; charset=utf-8", std::move(text) + "\n"};
}

}  // namespace

SoapResult handle(sync::Service& service, std::string_view body, std::size_t max_length) {
  if (body.empty()) return plain(400, "empty request body: expected a SOAP envelope");
  if (!starts_like_xml(body))
    return plain(400, "request body is not XML: expected a SOAP envelope");
  if (has_doctype(body)) return plain(400, "DOCTYPE is not allowed in a SOAP request");

  const soap_mode mode = SOAP_ENC_PLAIN | SOAP_C_UTFSTRING;
  Adapter svc(mode, service);
  std::istringstream in{std::string(body)};
  std::ostringstream out;
  svc.soap->is = &in;
  svc.soap->os = &out;
  svc.soap->recv_maxlength = max_length;
  const int rc = svc.serve();
  SoapResult result;
  if (rc == SOAP_OK) {
    result.body = out.str();
  } else {
    // Tell a malformed document (the client's fault, 400) from a well-formed unknown call (SOAP
    // fault, 500). Only failures pay for this second parse.
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_minimal);
    if (!parsed) {
      svc.destroy();
      return plain(400, std::string("request body is not well-formed XML: ") +
                            parsed.description() + " at offset " + std::to_string(parsed.offset));
    }
    result.http_status = 500;
    result.body = out.str();
    if (result.body.empty()) {
      std::ostringstream fault;
      svc.soap->os = &fault;
      ::soap_send_fault(svc.soap);
      result.body = fault.str();
    }
    spdlog::warn("SOAP request refused (gSOAP error {})", rc);
  }
  svc.destroy();
  return result;
}

}  // namespace qblink::soap
