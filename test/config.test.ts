import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('reads survivorship rules per entity from MDHUB_SURVIVORSHIP, mostRecent elsewhere', () => {
    const config = loadConfig({
      MDHUB_SURVIVORSHIP: JSON.stringify({
        customer: {
          default: { kind: 'sourcePriority', systems: ['erp', 'crm'] },
          fields: { email: { kind: 'mostRecent' } },
        },
      }),
    });
    expect(config.survivorship.customer.default).toEqual({ kind: 'sourcePriority', systems: ['erp', 'crm'] });
    expect(config.survivorship.customer.fields).toEqual({ email: { kind: 'mostRecent' } });
    expect(config.survivorship.item.default).toEqual({ kind: 'mostRecent' });
    expect(loadConfig({}).survivorship.supplier.default).toEqual({ kind: 'mostRecent' });
  });

  it('refuses a bad survivorship rule, naming the variable and the path', () => {
    expect(() =>
      loadConfig({ MDHUB_SURVIVORSHIP: '{"customer": {"fields": {"colour": {"kind": "mostRecent"}}}}' }),
    ).toThrow(/MDHUB_SURVIVORSHIP: customer\.fields\.colour: not a customer field/);
    expect(() => loadConfig({ MDHUB_SURVIVORSHIP: '{"customer": ' })).toThrow(ConfigError);
  });

  it('takes the sync page size within 1..10000', () => {
    expect(loadConfig({ MDHUB_SYNC_PAGE_SIZE: '2500' }).syncPageSize).toBe(2500);
    expect(loadConfig({}).syncPageSize).toBe(1000);
    expect(() => loadConfig({ MDHUB_SYNC_PAGE_SIZE: '0' })).toThrow(/MDHUB_SYNC_PAGE_SIZE/);
  });
});
