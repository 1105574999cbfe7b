// node-quickbooks, unchanged, against the QBO double: only its base URLs are pointed at it.
// Prints one JSON object of observations for the Python test to check.
const QuickBooks = require('node-quickbooks');
const env = process.env;
QuickBooks.V3_ENDPOINT_BASE_URL = env.QBO_BASE + '/v3/company/';
QuickBooks.TOKEN_URL = env.QBO_BASE + '/oauth2/v1/tokens/bearer';
QuickBooks.REVOKE_URL = env.QBO_BASE + '/v2/oauth2/tokens/revoke';

const qbo = new QuickBooks(env.CLIENT_ID, env.CLIENT_SECRET, env.ACCESS_TOKEN, false,
  env.REALM, true, false, 75, '2.0', env.REFRESH_TOKEN);
const call = (name, ...args) => new Promise((resolve) => {
  qbo[name](...args, (err, body) => resolve({ err, body }));
});

(async () => {
  const out = {};
  const refreshed = await call('refreshAccessToken');
  out.refreshed = !refreshed.err && Boolean(refreshed.body.access_token);
  const created = await call('createCustomer', { DisplayName: 'Node Quickbooks Person' });
  out.created = created.body;
  const read = await call('getCustomer', created.body.Id);
  out.read = read.body ? read.body.DisplayName : null;
  const updated = await call('updateCustomer', { Id: created.body.Id,
    SyncToken: '0', sparse: true, CompanyName: 'Node Co' });
  out.updatedSyncToken = updated.body.SyncToken;
  const stale = await call('updateCustomer', { Id: created.body.Id,
    SyncToken: '0', sparse: true, CompanyName: 'stale' });
  const fault = stale.err && stale.err.response ? stale.err.response.data.Fault : null;
  out.staleCode = fault ? fault.Error[0].code : null;
  const found = await call('findCustomers', [
    { field: 'DisplayName', value: "Node Quickbooks Person", operator: '=' }]);
  out.found = found.body.QueryResponse.Customer.map((c) => c.Id);
  const all = await call('findInvoices', { fetchAll: true });
  out.fetchAll = all.body.QueryResponse.Invoice.length;
  const counted = await call('findInvoices', { count: true });
  out.count = counted.body.QueryResponse.totalCount;
  const items = await call('findItems', { Name: 'Design' });
  const invoice = await call('createInvoice', { CustomerRef: { value: created.body.Id },
    Line: [{ Amount: 80, DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: { ItemRef: { value: items.body.QueryResponse.Item[0].Id } } }] });
  out.invoice = invoice.body;
  const voided = await call('voidInvoice', { Id: invoice.body.Id, SyncToken: '0' });
  out.voided = voided.body.Invoice;
  const second = await call('createInvoice', { CustomerRef: { value: created.body.Id },
    Line: [{ Amount: 10, DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: { ItemRef: { value: items.body.QueryResponse.Item[0].Id } } }] });
  const deleted = await call('deleteInvoice', { Id: second.body.Id, SyncToken: '0' });
  out.deleted = deleted.body.Invoice;
  const batch = await call('batch', [
    { bId: 'b1', operation: 'create', Customer: { DisplayName: 'Node Batch' } },
    { bId: 'b2', Query: "select * from Customer where DisplayName = 'Node Batch'" }]);
  out.batch = batch.body.BatchItemResponse.map((i) => i.bId + ':' + Object.keys(i).sort().join(','));
  const since = new Date(Date.now() - 5 * 60 * 1000).toISOString();
  const cdc = await call('changeDataCapture', ['Customer', 'Invoice'], since);
  out.cdc = cdc.body.CDCResponse[0].QueryResponse.map((q) => Object.keys(q).filter((k) => /^[A-Z]/.test(k))[0]);
  const report = await call('reportBalanceSheet', { date_macro: 'this year' });
  out.report = report.body.Header.ReportName;
  console.log(JSON.stringify(out));
})().catch((err) => { console.error(err); process.exit(1); });
