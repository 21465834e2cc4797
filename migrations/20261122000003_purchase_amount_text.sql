-- The source's amount text when it could not be read as an amount: the purchase is listed
-- with it (reason unreadable_amount) so that someone corrects it in the inventory.
ALTER TABLE purchases ADD COLUMN amount_unreadable TEXT;
