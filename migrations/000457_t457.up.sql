CREATE TABLE t457 (id bigint PRIMARY KEY, name text NOT NULL);
