CREATE TABLE t250 (id bigint PRIMARY KEY, name text NOT NULL);
