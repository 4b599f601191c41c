CREATE TABLE t161 (id bigint PRIMARY KEY, name text NOT NULL);
