// The gSOAP namespace table; libgsoap++ references it by name, so exactly one TU defines it.
// It must follow soapH.h, hence no include sorting here.
// clang-format off
#include "soapH.h"
#include "QBWebConnectorSvcSoap.nsmap"
// clang-format on
