CREATE TABLE t251 (id bigint PRIMARY KEY, name text NOT NULL);
