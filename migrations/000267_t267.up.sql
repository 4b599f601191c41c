CREATE TABLE t267 (id bigint PRIMARY KEY, name text NOT NULL);
