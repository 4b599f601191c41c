CREATE TABLE t150 (id bigint PRIMARY KEY, name text NOT NULL);
