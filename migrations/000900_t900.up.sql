CREATE TABLE t900 (id bigint PRIMARY KEY, name text NOT NULL);
