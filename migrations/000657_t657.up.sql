CREATE TABLE t657 (id bigint PRIMARY KEY, name text NOT NULL);
