CREATE TABLE t856 (id bigint PRIMARY KEY, name text NOT NULL);
