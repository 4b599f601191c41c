CREATE TABLE t21 (id bigint PRIMARY KEY, name text NOT NULL);
