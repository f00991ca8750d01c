-- Reference units every manufacturer needs from the first start. Factors are to the category's reference unit
-- (kg, m, m2, l, s, pcs), chosen so every factor is exact; more units can be added through the API.
INSERT INTO units (code, name, category, factor) VALUES
  ('pcs', 'piece', 'count', 1),
  ('pair', 'pair', 'count', 2),
  ('dozen', 'dozen', 'count', 12),
  ('kg', 'kilogram', 'mass', 1),
  ('g', 'gram', 'mass', 0.001),
  ('mg', 'milligram', 'mass', 0.000001),
  ('t', 'tonne', 'mass', 1000),
  ('lb', 'pound', 'mass', 0.45359237),
  ('oz', 'ounce', 'mass', 0.028349523125),
  ('m', 'metre', 'length', 1),
  ('cm', 'centimetre', 'length', 0.01),
  ('mm', 'millimetre', 'length', 0.001),
  ('km', 'kilometre', 'length', 1000),
  ('in', 'inch', 'length', 0.0254),
  ('ft', 'foot', 'length', 0.3048),
  ('m2', 'square metre', 'area', 1),
  ('cm2', 'square centimetre', 'area', 0.0001),
  ('l', 'litre', 'volume', 1),
  ('ml', 'millilitre', 'volume', 0.001),
  ('m3', 'cubic metre', 'volume', 1000),
  ('s', 'second', 'time', 1),
  ('min', 'minute', 'time', 60),
  ('h', 'hour', 'time', 3600)
ON CONFLICT (code) DO NOTHING;
