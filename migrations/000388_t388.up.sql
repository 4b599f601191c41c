CREATE TABLE t388 (id bigint PRIMARY KEY, name text NOT NULL);
