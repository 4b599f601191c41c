CREATE TABLE t18 (id bigint PRIMARY KEY, name text NOT NULL);
