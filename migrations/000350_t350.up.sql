CREATE TABLE t350 (id bigint PRIMARY KEY, name text NOT NULL);
