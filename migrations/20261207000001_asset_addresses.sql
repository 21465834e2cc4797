-- A device's IP addresses as its inventory records them (GLPI's network ports, a
-- spreadsheet's IP column), separated by one space, in the source's order; NULL when it
-- has none. The SNMP printers source polls an inventory's printers at them
-- (`inventory_source`).
ALTER TABLE assets ADD COLUMN addresses TEXT;
