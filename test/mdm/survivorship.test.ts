import {
  compareSourceRecordIds,
  type Contributor,
  defaultGroups,
  defaultSurvivorship,
  goldenColumns,
  type Override,
  parseSurvivorshipConfig,
  survive,
  SurvivorshipConfigError,
  type SurvivorshipConfig,
} from '../../src/mdm/survivorship';

const at = (day: number) => new Date(Date.UTC(2024, 0, day));

function contributor(
  sourceRecordId: string,
  system: string,
  day: number,
  values: Record<string, unknown>,
): Contributor {
  return { sourceRecordId, system, changedAt: at(day), values };
}

const ADDRESS = ['street', 'postalCode', 'city', 'region', 'country'];
const mostRecent: SurvivorshipConfig = { default: { kind: 'mostRecent' } };

/** Every ordering of a list, so order independence is proven exhaustively rather than by luck of a shuffle. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

function configErrorOf(input: unknown): SurvivorshipConfigError {
  try {
    parseSurvivorshipConfig(input);
  } catch (error) {
    if (error instanceof SurvivorshipConfigError) return error;
    throw error;
  }
  throw new Error('expected a SurvivorshipConfigError');
}

describe('defaults', () => {
  it('derives groups from the field specs: the address as one group, each money field as amount and currency', () => {
    expect(defaultGroups('customer')).toEqual([ADDRESS, ['creditLimit', 'creditCurrency']]);
    expect(defaultGroups('supplier')).toEqual([ADDRESS]);
    expect(defaultGroups('item')).toEqual([['standardCost', 'costCurrency']]);
    expect(defaultGroups('warehouse')).toEqual([ADDRESS]);
  });

  it('lists money fields as their two golden columns', () => {
    expect(goldenColumns('item')).toEqual(expect.arrayContaining(['standardCost', 'costCurrency', 'gtin']));
    expect(goldenColumns('customer')).not.toContain('address');
  });

  it('uses mostRecent everywhere by default', () => {
    expect(defaultSurvivorship('item')).toEqual({ default: { kind: 'mostRecent' }, groups: defaultGroups('item') });
  });
});

describe('survive: rules', () => {
  it('mostRecent takes the newest non-empty value; empty strings and nulls do not count as values', () => {
    const result = survive(
      ['name', 'email', 'phone'],
      [
        contributor('1', 'crm', 1, { name: 'Old', email: 'old@acme.de', phone: '+49301234567' }),
        contributor('2', 'erp', 3, { name: 'Newest', email: '', phone: null }),
        contributor('3', 'scm', 2, { name: 'Middle', email: 'mid@acme.de' }),
      ],
      [],
      mostRecent,
    );
    expect(result.values).toEqual({ name: 'Newest', email: 'mid@acme.de', phone: '+49301234567' });
    expect(result.lineage).toEqual([
      { field: 'name', sourceRecordId: '2', system: 'erp', rule: 'mostRecent', changedAt: at(3) },
      { field: 'email', sourceRecordId: '3', system: 'scm', rule: 'mostRecent', changedAt: at(2) },
      { field: 'phone', sourceRecordId: '1', system: 'crm', rule: 'mostRecent', changedAt: at(1) },
    ]);
  });

  it('sourcePriority takes the first listed system with a value, then unlisted systems most recent first', () => {
    const contributors = [
      contributor('1', 'erp', 1, { name: 'ERP name', email: null }),
      contributor('2', 'crm', 5, { name: 'CRM name', email: null, phone: null }),
      contributor('3', 'files', 3, { name: 'Files', phone: '+49301111111' }),
      contributor('4', 'scm', 4, { name: 'SCM', phone: '+49302222222', email: 'scm@acme.de' }),
    ];
    const config: SurvivorshipConfig = { default: { kind: 'sourcePriority', systems: ['erp', 'crm'] } };
    const result = survive(['name', 'email', 'phone'], contributors, [], config);
    // The ERP value is the oldest but ERP ranks first; email and phone exist only outside the list, where the newest
    // unlisted contributor (scm, day 4) beats files (day 3).
    expect(result.values).toEqual({ name: 'ERP name', email: 'scm@acme.de', phone: '+49302222222' });
    expect(result.lineage.map((l) => [l.field, l.sourceRecordId, l.rule])).toEqual([
      ['name', '1', 'sourcePriority'],
      ['email', '4', 'sourcePriority'],
      ['phone', '4', 'sourcePriority'],
    ]);
  });

  it('sourcePriority picks the most recent of several records from the same system', () => {
    const result = survive(
      ['name'],
      [contributor('1', 'erp', 1, { name: 'Old' }), contributor('2', 'erp', 2, { name: 'New' })],
      [],
      { default: { kind: 'sourcePriority', systems: ['erp'] } },
    );
    expect(result.values.name).toBe('New');
  });

  it('mostComplete prefers the fuller record, counting only the requested fields, then the most recent', () => {
    const fields = ['name', 'email', 'phone', 'website'];
    const full = contributor('1', 'erp', 1, { name: 'Full', email: 'a@acme.de', phone: '+49301234567' });
    // Lots of keys, but only two of them are golden fields.
    const sparse = contributor('2', 'crm', 9, { name: 'Sparse', website: 'https://acme.de/', x: 1, y: 2, z: 3 });
    const result = survive(fields, [full, sparse], [], { default: { kind: 'mostComplete' } });
    expect(result.values).toEqual({
      name: 'Full',
      email: 'a@acme.de',
      phone: '+49301234567',
      website: 'https://acme.de/',
    });
    expect(result.lineage.find((l) => l.field === 'website')).toMatchObject({
      sourceRecordId: '2',
      rule: 'mostComplete',
    });

    const equallyFull = contributor('3', 'scm', 5, { name: 'Equal', email: 'b@acme.de', website: 'https://b.de/' });
    expect(survive(fields, [full, equallyFull], [], { default: { kind: 'mostComplete' } }).values.name).toBe('Equal');
  });

  it('applies per-field rules over the default', () => {
    const result = survive(
      ['name', 'email'],
      [
        contributor('1', 'erp', 1, { name: 'ERP', email: 'erp@acme.de' }),
        contributor('2', 'crm', 2, { name: 'CRM', email: 'crm@acme.de' }),
      ],
      [],
      { default: { kind: 'mostRecent' }, fields: { name: { kind: 'sourcePriority', systems: ['erp'] } } },
    );
    expect(result.values).toEqual({ name: 'ERP', email: 'crm@acme.de' });
  });

  it('gives every requested field a value, null and without lineage when no one has one', () => {
    const result = survive(
      ['name', 'website'],
      [contributor('1', 'erp', 1, { name: 'Acme', website: '' })],
      [],
      mostRecent,
    );
    expect(result.values).toEqual({ name: 'Acme', website: null });
    expect(result.lineage.map((l) => l.field)).toEqual(['name']);
    expect(survive(['name'], [], [], mostRecent)).toEqual({ values: { name: null }, lineage: [] });
  });
});

describe('survive: overrides', () => {
  const contributors = [contributor('1', 'erp', 5, { name: 'Acme GmbH', phone: '+49301234567' })];
  const override = (field: string, value: unknown, day: number, setBy = 'anna'): Override => ({
    field,
    value,
    setBy,
    setAt: at(day),
  });

  it('win over every source, however recent, with override lineage', () => {
    const result = survive(['name', 'phone'], contributors, [override('name', 'ACME GmbH', 1)], mostRecent);
    expect(result.values).toEqual({ name: 'ACME GmbH', phone: '+49301234567' });
    expect(result.lineage[0]).toEqual({
      field: 'name',
      sourceRecordId: null,
      system: null,
      rule: 'override',
      changedAt: at(1),
    });
  });

  it('a null override empties the field on purpose and keeps a lineage entry saying so', () => {
    const result = survive(['name', 'phone'], contributors, [override('phone', null, 2)], mostRecent);
    expect(result.values.phone).toBeNull();
    expect(result.lineage).toContainEqual({
      field: 'phone',
      sourceRecordId: null,
      system: null,
      rule: 'override',
      changedAt: at(2),
    });
  });

  it('the latest override of a field counts, whatever order they come in', () => {
    const overrides = [override('name', 'First', 1), override('name', 'Second', 2)];
    for (const order of permutations(overrides)) {
      expect(survive(['name'], contributors, order, mostRecent).values.name).toBe('Second');
    }
    // Two writes in the same instant: decided by setter, not by arrival order.
    const same = [override('name', 'By bob', 3, 'bob'), override('name', 'By anna', 3, 'anna')];
    for (const order of permutations(same)) {
      expect(survive(['name'], contributors, order, mostRecent).values.name).toBe('By anna');
    }
  });

  it('ignores overrides of fields not asked for', () => {
    expect(survive(['name'], contributors, [override('colour', 'red', 1)], mostRecent).values).toEqual({
      name: 'Acme GmbH',
    });
  });
});

describe('survive: groups', () => {
  const config: SurvivorshipConfig = { ...defaultSurvivorship('customer') };
  const fields = goldenColumns('customer');

  it('takes an address from one contributor only, even where that leaves columns empty', () => {
    const erp = contributor('1', 'erp', 1, {
      street: 'Hauptstr. 1',
      postalCode: '80331',
      city: 'München',
      region: 'Bayern',
      country: 'DE',
    });
    // Newer, but only knows part of an address: a city and street from here beside a postal code from the ERP
    // would describe no real place.
    const crm = contributor('2', 'crm', 2, { street: 'Industriestr. 7', city: 'Augsburg' });
    const result = survive(fields, [erp, crm], [], config);
    expect(result.values).toMatchObject({
      street: 'Industriestr. 7',
      postalCode: null,
      city: 'Augsburg',
      region: null,
      country: null,
    });
    expect(result.lineage.filter((l) => ADDRESS.includes(l.field)).map((l) => [l.field, l.sourceRecordId])).toEqual([
      ['street', '2'],
      ['city', '2'],
    ]);
  });

  it('keeps an amount with its own currency', () => {
    const a = contributor('1', 'erp', 2, { name: 'Acme', creditLimit: '5000', creditCurrency: 'EUR' });
    const b = contributor('2', 'crm', 1, { name: 'Acme', creditLimit: '9000', creditCurrency: 'USD' });
    const bySource: SurvivorshipConfig = {
      ...config,
      fields: { creditCurrency: { kind: 'sourcePriority', systems: ['crm'] } },
    };
    // The rule named for the currency decides the whole pair, so the CRM's amount comes along with its currency.
    expect(survive(fields, [a, b], [], bySource).values).toMatchObject({ creditLimit: '9000', creditCurrency: 'USD' });
    expect(survive(fields, [a, b], [], config).values).toMatchObject({ creditLimit: '5000', creditCurrency: 'EUR' });
  });

  it('without the group, columns would be mixed from different contributors', () => {
    const a = contributor('1', 'erp', 1, { city: 'München', postalCode: '80331' });
    const b = contributor('2', 'crm', 2, { city: 'Augsburg' });
    expect(survive(['postalCode', 'city'], [a, b], [], mostRecent).values).toEqual({
      postalCode: '80331',
      city: 'Augsburg',
    });
    expect(survive(['postalCode', 'city'], [a, b], [], { ...mostRecent, groups: [ADDRESS] }).values).toEqual({
      postalCode: null,
      city: 'Augsburg',
    });
  });

  it('an override of one address column takes the whole address from the steward', () => {
    const erp = contributor('1', 'erp', 1, {
      street: 'Hauptstr. 1',
      postalCode: '80331',
      city: 'Muenchen',
      country: 'DE',
    });
    const result = survive(fields, [erp], [{ field: 'city', value: 'München', setBy: 'anna', setAt: at(4) }], config);
    expect(result.values).toMatchObject({
      street: null,
      postalCode: null,
      city: 'München',
      region: null,
      country: null,
    });
    const addressLineage = result.lineage.filter((l) => ADDRESS.includes(l.field));
    expect(addressLineage).toHaveLength(5);
    expect(addressLineage.every((l) => l.rule === 'override' && l.changedAt.getTime() === at(4).getTime())).toBe(true);
  });

  it('refuses a column in two groups and a group with two rules', () => {
    expect(() => survive(['city'], [], [], { ...mostRecent, groups: [['city'], ['city', 'street']] })).toThrow(
      /both hold column city/,
    );
    expect(() =>
      survive(ADDRESS, [], [], {
        ...mostRecent,
        groups: [ADDRESS],
        fields: { city: { kind: 'mostComplete' }, street: { kind: 'mostRecent' } },
      }),
    ).toThrow(/different rules/);
  });
});

describe('survive: determinism', () => {
  it('breaks ties on equal time with the smaller source record id, numerically for integer ids', () => {
    const tie = (ids: string[]) =>
      survive(
        ['name'],
        ids.map((id) => contributor(id, 'erp', 1, { name: `from ${id}` })),
        [],
        mostRecent,
      ).values.name;
    // As text '10' < '9'; as numbers 9 < 10.
    expect(tie(['10', '9'])).toBe('from 9');
    expect(tie(['a-2', 'a-10'])).toBe('from a-10');
    expect(tie(['x', '10'])).toBe('from 10');
  });

  it('breaks equal priorities on time first, then id', () => {
    const sameSystem = [contributor('2', 'erp', 1, { name: 'A' }), contributor('1', 'erp', 1, { name: 'B' })];
    expect(
      survive(['name'], sameSystem, [], { default: { kind: 'sourcePriority', systems: ['erp'] } }).values.name,
    ).toBe('B');
  });

  it('orders ids transitively, so sorting cannot depend on input order', () => {
    // Mixing numeric and text comparison per pair would give 2 < 10 < 1a < 2, a cycle.
    const ids = ['2', '10', '1a', '007', '7', 'b'];
    const sorted = [...ids].sort(compareSourceRecordIds);
    expect(sorted).toEqual(['2', '007', '7', '10', '1a', 'b']);
    for (const order of permutations(ids)) expect(order.sort(compareSourceRecordIds)).toEqual(sorted);
  });

  it('gives the same record for every order of the contributors', () => {
    const fields = goldenColumns('customer');
    const contributors = [
      contributor('10', 'crm', 2, {
        name: 'Northwind',
        email: 'a@nw.de',
        city: 'Bonn',
        creditLimit: '1',
        creditCurrency: 'EUR',
      }),
      contributor('9', 'erp', 2, { name: 'Northwind AG', phone: '+49301234567', street: 'Weg 1', city: 'Köln' }),
      contributor('11', 'scm', 2, { name: 'NW', email: 'b@nw.de', website: 'https://nw.de/', taxId: 'DE811234567' }),
      contributor('x', 'files', 1, {
        name: 'Northwind A.G.',
        creditLimit: '2',
        creditCurrency: 'USD',
        postalCode: '1',
      }),
      contributor('8', 'crm', 2, { name: 'N.', region: 'NRW' }),
    ];
    const configs: SurvivorshipConfig[] = [
      defaultSurvivorship('customer'),
      { default: { kind: 'mostComplete' }, groups: defaultGroups('customer') },
      { default: { kind: 'sourcePriority', systems: ['scm', 'crm'] }, groups: defaultGroups('customer') },
    ];
    for (const config of configs) {
      const expected = survive(fields, contributors, [], config);
      for (const order of permutations(contributors)) expect(survive(fields, order, [], config)).toEqual(expected);
    }
    // Hand-checked for mostRecent: four records tie on day 2 and the smallest integer id, 8, wins the name; 8 also
    // wins the address group with its region alone, so 9's street and city stay out; the money pair is 10's.
    const expected = survive(fields, contributors, [], configs[0]!);
    expect(expected.values).toMatchObject({ name: 'N.', region: 'NRW', street: null, city: null, creditLimit: '1' });
    expect(expected.values.creditCurrency).toBe('EUR');
  });

  it('refuses a source record contributing twice and invalid dates', () => {
    const one = contributor('1', 'erp', 1, { name: 'A' });
    expect(() => survive(['name'], [one, { ...one }], [], mostRecent)).toThrow(/contributes twice/);
    expect(() => survive(['name'], [{ ...one, changedAt: new Date('nope') }], [], mostRecent)).toThrow(
      /not a valid date/,
    );
  });
});

describe('parseSurvivorshipConfig', () => {
  it('reads the JSON text and fills in defaults and groups', () => {
    const config = parseSurvivorshipConfig(
      JSON.stringify({
        customer: {
          default: { kind: 'sourcePriority', systems: ['erp', 'crm'] },
          fields: { email: { kind: 'mostRecent' } },
        },
        item: { fields: { standardCost: { kind: 'sourcePriority', systems: ['erp'] } } },
      }),
    );
    expect(config.customer).toEqual({
      default: { kind: 'sourcePriority', systems: ['erp', 'crm'] },
      fields: { email: { kind: 'mostRecent' } },
      groups: defaultGroups('customer'),
    });
    expect(config.item.default).toEqual({ kind: 'mostRecent' });
    expect(config.supplier).toEqual(defaultSurvivorship('supplier'));
    expect(parseSurvivorshipConfig({}).warehouse).toEqual(defaultSurvivorship('warehouse'));
  });

  it('names the path of every problem', () => {
    const error = configErrorOf({
      customer: {
        default: { kind: 'sourcePriority', systems: ['erp', 'erp'] },
        fields: { colour: { kind: 'mostRecent' }, street: { kind: 'mostRecent' }, city: { kind: 'mostComplete' } },
      },
      supplier: { default: { kind: 'best' } },
      item: { fields: { gtin: { kind: 'sourcePriority', systems: [] } }, extra: true },
      vendor: {},
    });
    expect(error.issues.map((i) => i.field).sort()).toEqual([
      'customer.default.systems.1',
      'customer.fields.city',
      'customer.fields.colour',
      'item.extra',
      'item.fields.gtin.systems',
      'supplier.default.kind',
      'vendor',
    ]);
    expect(error.issues.find((i) => i.field === 'customer.fields.city')?.reason).toMatch(/survive together/);
    expect(error.issues.find((i) => i.field === 'vendor')?.reason).toMatch(/not an entity/);
    expect(error.message).toMatch(/^invalid survivorship configuration: /);
  });

  it('refuses text that is not JSON and values that are not objects', () => {
    expect(configErrorOf('{customer').issues[0]?.field).toBe('(root)');
    expect(configErrorOf('[]').issues[0]?.field).toBe('(root)');
    expect(configErrorOf({ customer: 5 }).issues[0]?.field).toBe('customer');
  });
});
