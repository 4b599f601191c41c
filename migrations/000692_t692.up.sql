CREATE TABLE t692 (id bigint PRIMARY KEY, name text NOT NULL);
